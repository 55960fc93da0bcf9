# expect: unicode.bidi_control high
# path: src/auth.c
int main(void)
{
    int is_admin = 0;
    /*‮ } ⁦if (is_admin)⁩ ⁦ begin admins only */
        grant();
    /* end ‮ { ⁦*/
}
