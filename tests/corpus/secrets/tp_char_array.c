# expect: secrets.aws_access_key high
# path: app/settings.c
static const char key[] = {'A', 'K', 'I', 'A', 'Q', '3', 'E', 'G', 'R', 'T', '5', 'Y', 'P', 'L', 'K', 'M', 'N', 'B', '7', 'Z', 0};
