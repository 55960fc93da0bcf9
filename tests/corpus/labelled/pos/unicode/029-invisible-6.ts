# expect: unicode.invisible high
# path: src/lib.ts
export const ㅤ = (cmd: string) => exec(cmd);
