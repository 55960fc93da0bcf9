/* roman.h: integers to Roman numerals, in C. */
#ifndef ROMAN_H
#define ROMAN_H
#include <stddef.h>
/* Writes the canonical numeral of n (1..3999) into out; 0, or -1 when n is out of range or out too small. */
int roman_format(int n, char *out, size_t size);
#endif
