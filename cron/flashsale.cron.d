# flashsale: the expiry job. `make install` puts this file, with the paths of its PREFIX and
# SYSCONFDIR, in /etc/cron.d/flashsale (a system crontab: the sixth field is the user).
#
# flashsale-release-expired marks holds whose expires_at has passed as expired and writes one
# holds_batch_released log row per batch. It only tidies up: reads and new holds already stop
# counting a hold at its expires_at, whether or not this job has run. One run works at a time: a
# Redis lease it renews between batches (a killed run blocks the next for 5 s at most), or a
# MariaDB named lock when Redis is unreachable; overlapping runs (two hosts, a slow run) exit at
# once. Exit status: 0 done or lock busy, 1 failure (MariaDB unreachable...); the next run
# catches up.
#
# No pipe: the job logs to syslog itself (log4cplus-cron.properties), each line at its own
# priority, so the exit status stays the job's and failures are found with
#   journalctl -t flashsale-release-expired -p err
SHELL=/bin/sh
PATH=/usr/local/bin:/usr/bin:/bin
MAILTO=""

* * * * * flashsale FLASHSALE_LOG_CONFIG=/usr/local/share/flashsale/conf/log4cplus-cron.properties flashsale-release-expired --config /etc/flashsale/flashsale.conf

# Every 5 seconds instead (cron's resolution is one minute): replace the line above with this
# one, a loop that runs the job about every 5 s; the 55 s cap ends each minute's loop before the
# next one starts (a run it interrupts is harmless: its lease runs out within 5 s). Each run
# logs its own outcome to syslog; the loop's exit status means nothing.
# * * * * * flashsale FLASHSALE_LOG_CONFIG=/usr/local/share/flashsale/conf/log4cplus-cron.properties timeout 55 sh -c 'while :; do flashsale-release-expired --config /etc/flashsale/flashsale.conf; sleep 5; done'
