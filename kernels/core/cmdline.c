/* Kernel command line lookup: words separated by spaces, `key` or `key=value`. */
#include "kernel.h"

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t value_size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;
	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		size_t wlen = (size_t)(p - word);
		if (wlen >= klen && strncmp(word, key, klen) == 0 &&
		    (wlen == klen || word[klen] == '=')) {
			if (value && value_size) {
				size_t vlen = wlen > klen ? wlen - klen - 1 : 0;
				if (vlen >= value_size)
					vlen = value_size - 1;
				memcpy(value, word + klen + (wlen > klen), vlen);
				value[vlen] = 0;
			}
			return true;
		}
	}
	return false;
}
