# expect: none
# path: data/names.py
NAME = "葛󠄀飾"
