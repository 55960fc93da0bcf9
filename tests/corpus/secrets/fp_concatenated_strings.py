# expect: none
# note: ordinary string concatenation; the AWS documentation key split in two
# path: app/client.py
url = "https://" + host + "/api/v1/" + "token"
msg = "Your password " + "must be at least 12 characters"
SQL = ("SELECT id, name FROM users "
       "WHERE token = %s")
key_name = "api_" + "key"
label = "AKIA" + suffix
example = "AKIAIOSFODNN7" + "EXAMPLE"
header = "Authorization: " + "Bearer " + token
sep = "" + ""
quote = '"' + "'" + '"'
