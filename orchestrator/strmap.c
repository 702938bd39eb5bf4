/*
 * strmap.c: open addressing with linear probing, kept at most half full.
 */
#include "rangectl/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

void
strmap_init(struct strmap *map)
{
	map->slots = NULL;
	map->size = 0;
	map->count = 0;
}

void
strmap_clear(struct strmap *map)
{
	if (map == NULL)
		return;
	free(map->slots);
	strmap_init(map);
}

static struct strmap_slot *
strmap_find(const struct strmap *map, const char *key)
{
	size_t i = (size_t)hash_str(HASH_SEED, key) & (map->size - 1);

	while (map->slots[i].key != NULL && strcmp(map->slots[i].key, key) != 0)
		i = (i + 1) & (map->size - 1);
	return &map->slots[i];
}

static void
strmap_resize(struct strmap *map, size_t size)
{
	struct strmap old = *map;
	size_t i;

	map->slots = xcalloc(size, sizeof(*map->slots));
	map->size = size;
	for (i = 0; i < old.size; i++)
		if (old.slots[i].key != NULL)
			*strmap_find(map, old.slots[i].key) = old.slots[i];
	free(old.slots);
}

void
strmap_reserve(struct strmap *map, size_t count)
{
	size_t size = map->size ? map->size : 16;

	while (count * 2 > size)
		size *= 2;
	if (size > map->size)
		strmap_resize(map, size);
}

void *
strmap_add(struct strmap *map, const char *key, void *value)
{
	struct strmap_slot *slot;

	if ((map->count + 1) * 2 > map->size)
		strmap_resize(map, map->size ? map->size * 2 : 16);
	slot = strmap_find(map, key);
	if (slot->key != NULL)
		return slot->value;
	slot->key = key;
	slot->value = value;
	map->count++;
	return NULL;
}

void *
strmap_get(const struct strmap *map, const char *key)
{
	struct strmap_slot *slot;

	if (map->size == 0)
		return NULL;
	slot = strmap_find(map, key);
	return slot->key != NULL ? slot->value : NULL;
}
