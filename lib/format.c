/*
 * format.c — the one printf engine in Bursar (kernel console, libl4).
 * It never allocates and never recurses, so it is safe in a panic.
 */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct conversion {
    bool left_align;
    bool zero_pad;
    unsigned width;
    int length;        /* 0: int, 1: long, 2: long long */
};

struct output {
    format_sink sink;
    void *context;
    int count;
};

static void emit(struct output *out, char c)
{
    out->sink(out->context, c);
    out->count++;
}

static void emit_padded(struct output *out, const struct conversion *conv,
                        const char *text, unsigned length)
{
    char pad = (conv->zero_pad && !conv->left_align) ? '0' : ' ';
    unsigned padding = conv->width > length ? conv->width - length : 0;

    /* A zero-padded negative number keeps its sign in front of the zeros. */
    if (pad == '0' && length > 0 && text[0] == '-') {
        emit(out, '-');
        text++;
        length--;
    }
    if (!conv->left_align)
        while (padding--)
            emit(out, pad);
    for (unsigned i = 0; i < length; i++)
        emit(out, text[i]);
    if (conv->left_align)
        while (padding--)
            emit(out, ' ');
}

static void emit_number(struct output *out, const struct conversion *conv,
                        uint64_t value, bool negative, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char text[24];
    unsigned position = sizeof(text);

    do {
        text[--position] = digits[value % base];
        value /= base;
    } while (value != 0);
    if (negative)
        text[--position] = '-';
    emit_padded(out, conv, &text[position], sizeof(text) - position);
}

static const char *parse_conversion(const char *fmt, struct conversion *conv)
{
    *conv = (struct conversion){ 0 };
    for (;; fmt++) {
        if (*fmt == '-')
            conv->left_align = true;
        else if (*fmt == '0')
            conv->zero_pad = true;
        else
            break;
    }
    while (*fmt >= '0' && *fmt <= '9')
        conv->width = conv->width * 10 + (unsigned)(*fmt++ - '0');
    while (*fmt == 'l') {
        conv->length++;
        fmt++;
    }
    return fmt;
}

static uint64_t take_unsigned(va_list *args, int length)
{
    if (length >= 2)
        return va_arg(*args, unsigned long long);
    if (length == 1)
        return va_arg(*args, unsigned long);
    return va_arg(*args, unsigned int);
}

static int64_t take_signed(va_list *args, int length)
{
    if (length >= 2)
        return va_arg(*args, long long);
    if (length == 1)
        return va_arg(*args, long);
    return va_arg(*args, int);
}

int format_va(format_sink sink, void *sink_context, const char *fmt, va_list args)
{
    struct output out = { sink, sink_context, 0 };
    struct conversion conv;
    va_list ap;

    va_copy(ap, args);
    while (*fmt) {
        if (*fmt != '%') {
            emit(&out, *fmt++);
            continue;
        }
        fmt = parse_conversion(fmt + 1, &conv);
        switch (*fmt) {
        case 'd': case 'i': {
            int64_t v = take_signed(&ap, conv.length);
            emit_number(&out, &conv, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false);
            break;
        }
        case 'u': emit_number(&out, &conv, take_unsigned(&ap, conv.length), false, 10, false); break;
        case 'x': emit_number(&out, &conv, take_unsigned(&ap, conv.length), false, 16, false); break;
        case 'X': emit_number(&out, &conv, take_unsigned(&ap, conv.length), false, 16, true); break;
        case 'p': {
            struct conversion pointer = { .zero_pad = true, .width = 8 };
            emit(&out, '0');
            emit(&out, 'x');
            emit_number(&out, &pointer, (uintptr_t)va_arg(ap, void *), false, 16, false);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_padded(&out, &conv, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            unsigned length = 0;
            if (!s)
                s = "(null)";
            while (s[length])
                length++;
            emit_padded(&out, &conv, s, length);
            break;
        }
        case '%': emit(&out, '%'); break;
        case '\0': va_end(ap); return out.count;   /* a lone '%' at the end */
        default:   emit(&out, '%'); emit(&out, *fmt); break;
        }
        fmt++;
    }
    va_end(ap);
    return out.count;
}

struct buffer_sink {
    char *buffer;
    size_t size;
    size_t used;
};

static void buffer_put(void *context, char c)
{
    struct buffer_sink *b = context;
    if (b->used + 1 < b->size)
        b->buffer[b->used] = c;
    b->used++;
}

int format_to_buffer_va(char *buffer, size_t size, const char *fmt, va_list args)
{
    struct buffer_sink b = { buffer, size, 0 };
    int count = format_va(buffer_put, &b, fmt, args);

    if (size > 0)
        buffer[b.used < size ? b.used : size - 1] = '\0';
    return count;
}

int format_to_buffer(char *buffer, size_t size, const char *fmt, ...)
{
    va_list args;
    int count;

    va_start(args, fmt);
    count = format_to_buffer_va(buffer, size, fmt, args);
    va_end(args);
    return count;
}
