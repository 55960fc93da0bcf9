# expect: unicode.terminal_control high
# note: SGR 8: concealed text
# path: app/setup_env.py
x = 1  # [8m hidden from the terminal [0m
