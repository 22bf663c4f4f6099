# Puma configuration for the app server behind nginx.
max_threads_count = ENV.fetch("RAILS_MAX_THREADS", 5)
min_threads_count = ENV.fetch("RAILS_MIN_THREADS") { max_threads_count }
threads min_threads_count, max_threads_count

workers ENV.fetch("WEB_CONCURRENCY", 2)
preload_app!

port ENV.fetch("PORT", 9292)
environment ENV.fetch("RAILS_ENV", "production")

# Close idle keep-alive connections after 5 seconds.
persistent_timeout 5

plugin :tmp_restart
