# expect: secrets.aws_access_key high
# note: a `+` ending the line joins the next line's literal
# path: pkg/aws/keys.go
const k = "AKIAZ7QWE" +
    "RTYUIOPLMNB"
