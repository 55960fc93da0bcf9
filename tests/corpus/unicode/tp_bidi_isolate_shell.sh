# expect: unicode.bidi_control high
# path: scripts/check.sh
#!/bin/sh
set -e
echo "checking" ⁧# ; rm -rf "$HOME/.cache"⁩
make test
