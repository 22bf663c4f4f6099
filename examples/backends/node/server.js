'use strict';

const http = require('http');
const app = require('./app');

const PORT = Number(process.env.PORT) || 3000;

const server = http.createServer(app);

// Close idle keep-alive connections after 5 s; headersTimeout must stay
// above keepAliveTimeout (nodejs/node#27363).
server.keepAliveTimeout = 5000;
server.headersTimeout = 6000;

server.listen(PORT, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${PORT}`);
});

process.on('SIGTERM', () => server.close());
