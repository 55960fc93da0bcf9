# expect: unicode.bidi_control high
# note: a byte that is not UTF-8 on the line (compilers accept it in a comment) does not hide the controls
# path: src/gate.c
int gate(int is_admin)
{
    /* �‮ } ⁦if (is_admin)⁩ ⁦ */
    return 1;
}
