# expect: none
# note: hashes in hex, hex colours, text reversed for a palindrome check
# path: app/util.py
DIGEST = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
COLOR = int("ff8800", 16)
assert "racecar"[::-1] == "racecar"
greeting = "olleh"[::-1]
