# Gunicorn configuration for the shop API.
# https://docs.gunicorn.org/en/stable/settings.html
import multiprocessing

bind = "127.0.0.1:8000"
workers = multiprocessing.cpu_count() * 2 + 1

# Threads make gunicorn run the gthread worker, which keeps connections
# alive (the default sync worker closes every one).
worker_class = "gthread"
threads = 4

timeout = 30
graceful_timeout = 30
keepalive = 5

accesslog = "-"
errorlog = "-"
loglevel = "info"


def post_fork(server, worker):
    server.log.info("worker spawned (pid: %s)", worker.pid)
