/* bench-util.h — what the benchmark programs share: sorting timings. */
#pragma once

#include <stdlib.h>

static inline int
bench_compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Sorts n timings in ascending order (for their median, minimum, maximum). */
static inline void
bench_sort_doubles (double *values, size_t n)
{
  qsort (values, n, sizeof (double), bench_compare_doubles);
}
