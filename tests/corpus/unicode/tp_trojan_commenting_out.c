# expect: unicode.bidi_control high
# note: Trojan Source (Boucher and Anderson, 2021), 'commenting-out': the admin check is inside a comment
# path: src/auth.c
#include <stdio.h>

int main(void)
{
    int isAdmin = 0;
    /*‮ } ⁦if (isAdmin)⁩ ⁦ begin admins only */
        printf("You are an admin.\n");
    /* end admins only ‮ { ⁦*/
    return 0;
}
