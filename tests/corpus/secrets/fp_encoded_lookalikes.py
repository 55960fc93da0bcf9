# expect: none
# note: decodings, lists and formats that spell ordinary text
# path: app/text_utils.py
ALPHABET = bytes([65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80])
ROW = [12, 45, 78, 90, 33, 21, 64, 87, 99, 100, 101, 34, 56, 78, 90, 32, 33]
GREETING = codecs.decode('uryyb jbeyq sebz gur grfg fhvgr', 'rot13')
DAY = '2024-01-01'.replace('-', '')
BANNER = base64.b64decode('aGVsbG8gd29ybGQgZnJvbSB0aGUgdGVzdCBzdWl0ZQ==').decode()[::-1]
NAME = base64.b32decode('NBSWY3DPEB3W64TMMQQGM4TPNUQHI2DFEB2GK43U').decode()
PATH = "".join(["src", "/", "main", ".py"])
URL = '{}/{}'.format('https://api.example.net', 'v1/items')
ADDR = '%s:%s' % ('localhost', '8080')
