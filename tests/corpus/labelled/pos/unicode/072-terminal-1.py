# expect: unicode.terminal_control high
# path: app/env.py
x = 1  # [8m hidden [0m
