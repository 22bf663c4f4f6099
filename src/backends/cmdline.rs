//! (being written) Options and environment variables on command lines in
//! Procfiles, systemd units, shell scripts and env files.
