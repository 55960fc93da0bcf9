# expect: none
# path: src/parse.c
/* Проверка пароля: API-ключ */
int check(void);
