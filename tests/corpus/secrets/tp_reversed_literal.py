# expect: secrets.aws_access_key high
# note: the key id written backwards and reversed at run time
# path: app/keys.py
KEY = "BNMLPOIUYTREWQ7ZAIKA"[::-1]
