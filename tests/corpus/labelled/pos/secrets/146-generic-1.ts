# expect: secrets.generic_assignment medium
# path: src/config.ts
export const SECRET_KEY = "25wFR=LFoXxkh8vH&+-@#sPmb926l+nrk";
