# shellcheck shell=sh
# Reads root's crontab into $CRON: empty when root has none; the script fails (changing
# nothing) when crontab -l fails for another reason, rather than replace what it could not read.

if CRON=$(crontab -l 2>&1); then :
elif printf '%s' "$CRON" | grep -qi 'no crontab'; then CRON=
else echo "cannot read root's crontab, so it is left as it is: $CRON" >&2; exit 1
fi