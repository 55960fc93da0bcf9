# expect: unicode.invisible high
# path: tools/run.sh
#!/bin/sh
CMD​="make"
$CMD
