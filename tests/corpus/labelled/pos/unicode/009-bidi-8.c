# expect: unicode.bidi_control high
# path: third_party/src/auth.c
int main(void)
{
    int is_root = 0;
    /*‮ } ⁦if (is_root)⁩ ⁦ begin roots only */
        grant();
    /* end ‮ { ⁦*/
}
