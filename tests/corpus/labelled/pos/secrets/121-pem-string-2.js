# expect: secrets.private_key critical
# path: src/keys.js
export const SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nmfUSOCKQObtdwSgdtrDTBcuNov4XSJj2ngACV0SXjAhJ6nbhQmj3cZkSkCWra7TS\n01MMeN/kZO9kHsVA7sTx6qJDpNBtMiggF7/lkWgHDdfn1dSXfi5dBSoezTjQZEPY\nhxHfetTFDciysPlbCTCwEBJKJ/lfbPgJO1KpOMZkblCVTygwiyb+bLOfWnPc7Yow\n5S89rbnWEzAgLE0aT/bEViPs6XKljlURzBUhT5aMyKSA925VxfHMHYQFJn/raKk6\nUr70g5IMZVLo+esNHu0ZTupgPrISsXYKY1UAqw5c02VW9G+SlTv2ePv/Nmi5LZVK\npt+EBroilw7C0ZQQs9FT417mMmQHm/PCRAIQ7M1uy+KhRgl1tMgbiKwlkZifNPiJ\n-----END PRIVATE KEY-----\n";
