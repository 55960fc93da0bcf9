# expect: none
# note: decoding into files and encoding data are not decode-and-execute
# path: tools/assets.sh
base64 -d logo.b64 > logo.png
echo "$TOKEN" | base64 > token.b64
gunzip -c data.csv.gz > data.csv
xxd -r -p firmware.hex firmware.bin
printf '%s\n' "hello" | tr a-z A-Z
tar xzf release.tgz | sort
