# expect: none
# path: clean.sh
rm -rf ./build /tmp/cache "$BUILD_DIR"
rm -rf build/ node_modules dist
rm -f /tmp/x.lock
rm -r ~/.cache/myapp
rm -rf "${TMPDIR}/work"
