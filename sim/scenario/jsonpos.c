/*
 * jsonpos.c -- find a JSON path in the text it came from (see jsonpos.h).
 *
 * A small scanner over JSON text: it skips whitespace, strings (with
 * their escapes), scalars and whole nested values, and compares object
 * keys with the path's keys after decoding their escapes, one code point
 * at a time, so "\u00e9" in the file matches "é" in the path.  It keeps
 * no state beyond a cursor and never allocates.  Skipping a nested value
 * counts brackets instead of recursing, so deep input cannot exhaust the
 * stack.  Every read is checked against the end of the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario/jsonpos.h"

struct jscan {
	const char *p;
	const char *end;
};

static void
jscan_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool
jscan_peek(const struct jscan *s, char c)
{
	return s->p < s->end && *s->p == c;
}

/* Skip a string; the cursor is on its opening quote. */
static bool
jscan_string(struct jscan *s)
{
	if (!jscan_peek(s, '"'))
		return false;
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;         /* the escaped character is never a quote */
		else if (*s->p == '"') {
			s->p++;
			return true;
		}
	}
	return false;
}

/* Skip one value of any kind; the cursor is on its first character. */
static bool
jscan_value(struct jscan *s)
{
	size_t depth = 0;

	do {
		if (s->p >= s->end)
			return false;
		switch (*s->p) {
		case '"':
			if (!jscan_string(s))
				return false;
			break;
		case '{':
		case '[':
			depth++;
			s->p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return false;
			depth--;
			s->p++;
			break;
		default:
			if (depth == 0) {
				/* A scalar: number, true, false or null. */
				while (s->p < s->end && strchr(",]} \t\r\n",
				    *s->p) == NULL)
					s->p++;
			} else
				s->p++;
			break;
		}
	} while (depth > 0);
	return true;
}

static int
jscan_hex4(const char *p, const char *end, uint32_t *cp)
{
	*cp = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		*cp = *cp << 4 | d;
	}
	return 0;
}

static size_t
utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode the escape after a backslash at *pp (which points past the
 * backslash) into UTF-8 bytes; advance *pp past it.  Returns the byte
 * count, 0 if malformed.
 */
static size_t
jscan_escape(const char **pp, const char *end, unsigned char out[4])
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *p = *pp;
	const char *hit;
	uint32_t cp, lo;

	if (p >= end)
		return 0;
	if (*p != 'u') {
		if ((hit = strchr(from, *p)) == NULL || *p == '\0')
			return 0;
		out[0] = (unsigned char)to[hit - from];
		*pp = p + 1;
		return 1;
	}
	if (jscan_hex4(p + 1, end, &cp) != 0)
		return 0;
	p += 5;
	if (cp >= 0xd800 && cp < 0xdc00) {
		/* A high surrogate must be followed by \u and a low one. */
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    jscan_hex4(p + 2, end, &lo) != 0 || lo < 0xdc00 ||
		    lo >= 0xe000)
			return 0;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	*pp = p;
	return utf8_encode(cp, out);
}

/*
 * Does the string at the cursor, once decoded, equal key?  The cursor is
 * left where it was.
 */
static bool
jscan_key_equals(const struct jscan *s, const char *key)
{
	const unsigned char *k = (const unsigned char *)key;
	const char *p = s->p + 1;
	unsigned char buf[4];
	size_t n;

	while (p < s->end && *p != '"') {
		if (*p == '\\') {
			p++;
			if ((n = jscan_escape(&p, s->end, buf)) == 0)
				return false;
		} else {
			buf[0] = (unsigned char)*p++;
			n = 1;
		}
		for (size_t i = 0; i < n; i++, k++)
			if (*k != buf[i])
				return false;   /* also stops at key's NUL */
	}
	return p < s->end && *k == '\0';
}

/* Step into an object to member key: the cursor lands on the key's quote. */
static bool
jscan_member(struct jscan *s, const char *key)
{
	if (!jscan_peek(s, '{'))
		return false;
	s->p++;
	jscan_ws(s);
	if (jscan_peek(s, '}'))
		return false;
	for (;;) {
		const char *at = s->p;
		bool hit = jscan_peek(s, '"') && jscan_key_equals(s, key);

		if (!jscan_string(s))
			return false;
		if (hit) {
			s->p = at;
			return true;
		}
		jscan_ws(s);
		if (!jscan_peek(s, ':'))
			return false;
		s->p++;
		jscan_ws(s);
		if (!jscan_value(s))
			return false;
		jscan_ws(s);
		if (!jscan_peek(s, ','))
			return false;   /* '}': not there */
		s->p++;
		jscan_ws(s);
	}
}

/* Step into an array to element index: the cursor lands on the element. */
static bool
jscan_element(struct jscan *s, size_t index)
{
	if (!jscan_peek(s, '['))
		return false;
	s->p++;
	jscan_ws(s);
	if (jscan_peek(s, ']'))
		return false;
	for (size_t i = 0; i < index; i++) {
		if (!jscan_value(s))
			return false;
		jscan_ws(s);
		if (!jscan_peek(s, ','))
			return false;   /* ']': too short */
		s->p++;
		jscan_ws(s);
	}
	return s->p < s->end;
}

bool
sim_jsonpos_find(const char *text, size_t len,
    const struct sim_jsonpath_step *path, size_t depth, bool at_key,
    size_t *offset)
{
	struct jscan s = { text, text + len };

	if (at_key && (depth == 0 || path[depth - 1].key == NULL))
		return false;
	jscan_ws(&s);
	for (size_t i = 0; i < depth; i++) {
		if (path[i].key == NULL) {
			if (!jscan_element(&s, path[i].index))
				return false;
			continue;
		}
		if (!jscan_member(&s, path[i].key))
			return false;
		if (at_key && i == depth - 1)
			break;
		/* From the key's quote to its value. */
		if (!jscan_string(&s))
			return false;
		jscan_ws(&s);
		if (!jscan_peek(&s, ':'))
			return false;
		s.p++;
		jscan_ws(&s);
	}
	if (s.p >= s.end)
		return false;
	*offset = (size_t)(s.p - text);
	return true;
}

void
sim_jsonpos_linecol(const char *text, size_t len, size_t offset,
    unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++) {
		unsigned char b = (unsigned char)text[i];

		if (b == '\n') {
			l++;
			c = 1;
		} else if ((b & 0xc0) != 0x80)
			c++;            /* count lead bytes: characters */
	}
	*line = l;
	*col = c;
}

/* Bytes in the UTF-8 sequence that starts with b (1 for a stray byte). */
static size_t
utf8_seqlen(unsigned char b)
{
	if (b >= 0xf0 && b < 0xf8)
		return 4;
	if (b >= 0xe0)
		return b < 0xf0 ? 3 : 1;
	if (b >= 0xc0)
		return 2;
	return 1;
}

/* Append n bytes of src to buf at *at if they fit (with room for tail). */
static bool
append(char *buf, size_t len, size_t *at, const char *src, size_t n,
    size_t tail)
{
	if (*at + n + tail >= len)
		return false;
	memcpy(buf + *at, src, n);
	*at += n;
	buf[*at] = '\0';
	return true;
}

void
sim_json_quote(const char *s, size_t maxchars, char *buf, size_t len)
{
	const size_t tail = 4;          /* room for the closing quote and "..." */
	size_t at = 0, chars = 0;
	char esc[8];

	if (len == 0)
		return;
	buf[0] = '\0';
	if (!append(buf, len, &at, "\"", 1, tail))
		return;
	while (*s != '\0') {
		unsigned char b = (unsigned char)*s;
		size_t n = utf8_seqlen(b);
		bool ok;

		if (strnlen(s, n) < n)
			n = 1;
		if (chars == maxchars)
			break;
		if (b == '"' || b == '\\') {
			esc[0] = '\\';
			esc[1] = (char)b;
			ok = append(buf, len, &at, esc, 2, tail);
		} else if (b == '\n' || b == '\t' || b == '\r') {
			esc[0] = '\\';
			esc[1] = b == '\n' ? 'n' : b == '\t' ? 't' : 'r';
			ok = append(buf, len, &at, esc, 2, tail);
		} else if (b < 0x20 || b == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", b);
			ok = append(buf, len, &at, esc, 6, tail);
		} else
			ok = append(buf, len, &at, s, n, tail);
		if (!ok)
			break;
		s += n;
		chars++;
	}
	/* The tail was reserved by every append above. */
	append(buf, len, &at, "\"", 1, 0);
	if (*s != '\0')
		append(buf, len, &at, "...", 3, 0);
}

static bool
is_identifier(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
	    *k == '_'))
		return false;
	for (k++; *k != '\0'; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		    (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

void
sim_jsonpath_format(const struct sim_jsonpath_step *path, size_t depth,
    char *buf, size_t len)
{
	char step[160];
	size_t at = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (!append(buf, len, &at, "$", 1, 4))
		return;
	for (size_t i = 0; i < depth; i++) {
		if (path[i].key == NULL)
			snprintf(step, sizeof(step), "[%zu]", path[i].index);
		else if (is_identifier(path[i].key) &&
		    strlen(path[i].key) <= 64)
			snprintf(step, sizeof(step), ".%s", path[i].key);
		else {
			char q[sizeof(step) - 2];

			sim_json_quote(path[i].key, 64, q, sizeof(q));
			snprintf(step, sizeof(step), "[%s]", q);
		}
		if (!append(buf, len, &at, step, strlen(step), 4)) {
			append(buf, len, &at, "...", 3, 0);
			return;
		}
	}
}
