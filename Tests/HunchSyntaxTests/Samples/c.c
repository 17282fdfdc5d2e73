/* A growable byte buffer. */
#include <stdlib.h>
#include <string.h>

#define INITIAL_CAPACITY 64

typedef struct {
    unsigned char *data;
    size_t length;
    size_t capacity;
} Buffer;

enum BufferStatus { BUFFER_OK = 0, BUFFER_NO_MEMORY = 1 };

static int buffer_reserve(Buffer *buffer, size_t needed)
{
    if (buffer->capacity >= needed) {
        return BUFFER_OK;
    }
    size_t capacity = buffer->capacity ? buffer->capacity : INITIAL_CAPACITY;
    while (capacity < needed) {
        capacity *= 2;
    }
    unsigned char *data = realloc(buffer->data, capacity);
    if (data == NULL) {
        return BUFFER_NO_MEMORY;
    }
    buffer->data = data;
    buffer->capacity = capacity;
    return BUFFER_OK;
}

int buffer_append(Buffer *buffer, const void *bytes, size_t count)
{
    int status = buffer_reserve(buffer, buffer->length + count);
    if (status != BUFFER_OK) {
        return status;
    }
    memcpy(buffer->data + buffer->length, bytes, count);
    buffer->length += count;
    return BUFFER_OK;
}

void buffer_free(Buffer *buffer)
{
    free(buffer->data);
    buffer->data = NULL;
    buffer->length = buffer->capacity = 0;
}
