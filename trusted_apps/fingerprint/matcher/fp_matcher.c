// SPDX-License-Identifier: BSD-2-Clause
/*
 * Minutiae matcher: local neighbourhoods propose alignments, the best
 * rigid alignment pairs minutiae one to one (docs/fingerprint.md, "Matcher").
 *
 * 1. fp_prepare(): positions scaled to 500 ppi with y up (so ISO angles,
 *    counter-clockwise, turn the same way as positions); for each minutia
 *    its FP_NEIGHBOURS nearest neighbours as (distance, direction, angle)
 *    relative to the minutia's own angle: invariant under rotation and
 *    translation.
 * 2. Every probe/enrolled minutia pair is scored by how many neighbours
 *    agree; the best CANDIDATES pairs each give a rigid transform
 *    (rotation = angle difference, translation = the pair's offset).
 * 3. Each transform pairs minutiae loosely, is refitted by least squares
 *    on those pairs (rotation from atan2 of the summed cross and dot
 *    products), and pairs again tightly. The score is the largest count.
 *
 * Angles: ISO units (256 per turn) in records; 1024 per turn ("fine units")
 * for rotations. Trigonometry comes from the tables below (Q14 sine, atan).
 */
#include "fp_matcher.h"

#define TURN			1024		/* fine angle units per turn */
#define QUARTER			(TURN / 4)
#define TRIG_SHIFT		14		/* sine table scale: 1 << 14 */
#define REFERENCE_RES		197		/* px/cm = 500 ppi */

#define NEIGHBOUR_MAX_DISTANCE	160		/* px: farther points are not neighbours */
#define NEIGHBOUR_MIN_DISTANCE	4		/* px: closer points are the same place */
#define NB_DISTANCE_TOLERANCE	10		/* px, plus 1/16 of the distance */
#define NB_DIRECTION_TOLERANCE	14		/* ISO units (~20 deg) */
#define NB_ANGLE_TOLERANCE	16		/* ISO units (~22 deg) */
#define MIN_LOCAL_AGREEMENT	2		/* neighbours that must agree for a candidate */
#define CANDIDATES		10		/* alignments tried */
#define DIRECTION_BUCKETS	FP_DIRECTION_BUCKETS
#define DIRECTION_BUCKET	(256 / DIRECTION_BUCKETS)

/* a pair of minutiae of one type counts twice */
#define SCORE(p)		((p).count + (p).same_type)
#define LOOSE_RADIUS		24		/* px: first pairing, before the refit */
#define LOOSE_ANGLE		24		/* ISO units (~34 deg) */
#define TIGHT_RADIUS		10		/* px: final pairing */
#define TIGHT_ANGLE		11		/* ISO units (~15 deg) */
#define TIGHT_PASSES		2		/* refit, then pair tightly: this many times */

/* sin(k * 90 / 256 degrees) * 2^14, k = 0 .. 256 */
static const int16_t sine_quarter[QUARTER + 1] = {
	0, 101, 201, 302, 402, 503, 603, 704, 804, 904, 1005, 1105,
	1205, 1306, 1406, 1506, 1606, 1706, 1806, 1906, 2006, 2105, 2205, 2305,
	2404, 2503, 2603, 2702, 2801, 2900, 2999, 3098, 3196, 3295, 3393, 3492,
	3590, 3688, 3786, 3883, 3981, 4078, 4176, 4273, 4370, 4467, 4563, 4660,
	4756, 4852, 4948, 5044, 5139, 5235, 5330, 5425, 5520, 5614, 5708, 5803,
	5897, 5990, 6084, 6177, 6270, 6363, 6455, 6547, 6639, 6731, 6823, 6914,
	7005, 7096, 7186, 7276, 7366, 7456, 7545, 7635, 7723, 7812, 7900, 7988,
	8076, 8163, 8250, 8337, 8423, 8509, 8595, 8680, 8765, 8850, 8935, 9019,
	9102, 9186, 9269, 9352, 9434, 9516, 9598, 9679, 9760, 9841, 9921, 10001,
	10080, 10159, 10238, 10316, 10394, 10471, 10549, 10625, 10702, 10778, 10853, 10928,
	11003, 11077, 11151, 11224, 11297, 11370, 11442, 11514, 11585, 11656, 11727, 11797,
	11866, 11935, 12004, 12072, 12140, 12207, 12274, 12340, 12406, 12472, 12537, 12601,
	12665, 12729, 12792, 12854, 12916, 12978, 13039, 13100, 13160, 13219, 13279, 13337,
	13395, 13453, 13510, 13567, 13623, 13678, 13733, 13788, 13842, 13896, 13949, 14001,
	14053, 14104, 14155, 14206, 14256, 14305, 14354, 14402, 14449, 14497, 14543, 14589,
	14635, 14680, 14724, 14768, 14811, 14854, 14896, 14937, 14978, 15019, 15059, 15098,
	15137, 15175, 15213, 15250, 15286, 15322, 15357, 15392, 15426, 15460, 15493, 15525,
	15557, 15588, 15619, 15649, 15679, 15707, 15736, 15763, 15791, 15817, 15843, 15868,
	15893, 15917, 15941, 15964, 15986, 16008, 16029, 16049, 16069, 16088, 16107, 16125,
	16143, 16160, 16176, 16192, 16207, 16221, 16235, 16248, 16261, 16273, 16284, 16295,
	16305, 16315, 16324, 16332, 16340, 16347, 16353, 16359, 16364, 16369, 16373, 16376,
	16379, 16381, 16383, 16384, 16384,
};

/* atan(k / 256) in fine units, k = 0 .. 256 */
static const uint8_t atan_table[257] = {
	0, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6, 7,
	8, 8, 9, 10, 10, 11, 11, 12, 13, 13, 14, 15,
	15, 16, 16, 17, 18, 18, 19, 20, 20, 21, 22, 22,
	23, 23, 24, 25, 25, 26, 27, 27, 28, 28, 29, 30,
	30, 31, 31, 32, 33, 33, 34, 34, 35, 36, 36, 37,
	38, 38, 39, 39, 40, 41, 41, 42, 42, 43, 44, 44,
	45, 45, 46, 46, 47, 48, 48, 49, 49, 50, 51, 51,
	52, 52, 53, 53, 54, 55, 55, 56, 56, 57, 57, 58,
	58, 59, 60, 60, 61, 61, 62, 62, 63, 63, 64, 65,
	65, 66, 66, 67, 67, 68, 68, 69, 69, 70, 70, 71,
	71, 72, 72, 73, 74, 74, 75, 75, 76, 76, 77, 77,
	78, 78, 79, 79, 80, 80, 81, 81, 82, 82, 83, 83,
	84, 84, 84, 85, 85, 86, 86, 87, 87, 88, 88, 89,
	89, 90, 90, 91, 91, 91, 92, 92, 93, 93, 94, 94,
	95, 95, 96, 96, 96, 97, 97, 98, 98, 99, 99, 99,
	100, 100, 101, 101, 102, 102, 102, 103, 103, 104, 104, 104,
	105, 105, 106, 106, 106, 107, 107, 108, 108, 108, 109, 109,
	110, 110, 110, 111, 111, 112, 112, 112, 113, 113, 113, 114,
	114, 115, 115, 115, 116, 116, 116, 117, 117, 118, 118, 118,
	119, 119, 119, 120, 120, 120, 121, 121, 121, 122, 122, 122,
	123, 123, 123, 124, 124, 124, 125, 125, 125, 126, 126, 126,
	127, 127, 127, 128, 128,
};

struct candidate {
	uint32_t agreement;
	uint32_t probe, enrolled;
};

/* q = R(rotation) p + (tx, ty); rotation in fine units */
struct transform {
	int32_t rotation;
	int64_t cos, sin;	/* Q14 */
	int64_t tx, ty;
};

struct pairing {
	uint32_t count;
	uint32_t same_type;	/* pairs whose minutiae are of one type */
	uint8_t probe[FP_MAX_MINUTIAE];
	uint8_t enrolled[FP_MAX_MINUTIAE];
};

static int32_t fine_sin(int32_t angle)
{
	angle &= TURN - 1;
	if (angle <= QUARTER)
		return sine_quarter[angle];
	if (angle <= 2 * QUARTER)
		return sine_quarter[2 * QUARTER - angle];
	if (angle <= 3 * QUARTER)
		return -sine_quarter[angle - 2 * QUARTER];
	return -sine_quarter[TURN - angle];
}

static int32_t fine_cos(int32_t angle)
{
	return fine_sin(angle + QUARTER);
}

/* atan2(y, x) in fine units, 0 .. TURN - 1 (0 for the zero vector) */
static int32_t fine_atan2(int64_t y, int64_t x)
{
	uint64_t ax = (uint64_t)(x < 0 ? -x : x);
	uint64_t ay = (uint64_t)(y < 0 ? -y : y);
	int32_t base;

	if (ax == 0 && ay == 0)
		return 0;
	if (ay <= ax)
		base = atan_table[(ay * 256 + ax / 2) / ax];
	else
		base = QUARTER - atan_table[(ax * 256 + ay / 2) / ay];
	if (x >= 0 && y >= 0)
		return base;
	if (x < 0 && y >= 0)
		return 2 * QUARTER - base;
	if (x < 0)
		return 2 * QUARTER + base;
	return (TURN - base) & (TURN - 1);
}

static uint32_t isqrt(uint64_t value)
{
	uint64_t root = 0, bit = (uint64_t)1 << 62;

	while (bit > value)
		bit >>= 2;
	while (bit != 0) {
		if (value >= root + bit) {
			value -= root + bit;
			root = (root >> 1) + bit;
		} else {
			root >>= 1;
		}
		bit >>= 2;
	}
	return (uint32_t)root;
}

/* |a - b| on a circle of `turn` units (a power of two) */
static uint32_t circular_distance(int32_t a, int32_t b, int32_t turn)
{
	int32_t d = (a - b) & (turn - 1);

	return (uint32_t)(d > turn / 2 ? turn - d : d);
}


static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int64_t round_shift(int64_t value)
{
	/* floor((value + half) / 2^14), the same on every target */
	int64_t half = (int64_t)1 << (TRIG_SHIFT - 1);

	return (value + half) >= 0 ? (value + half) >> TRIG_SHIFT
				   : -((-(value + half) + ((int64_t)1 << TRIG_SHIFT) - 1) >> TRIG_SHIFT);
}

static const struct fp_neighbour *edge_at(const struct fp_prepared *print, uint32_t sorted_index)
{
	uint32_t edge = print->by_distance[sorted_index];

	return &print->neighbour[edge / FP_NEIGHBOURS][edge % FP_NEIGHBOURS];
}

static int32_t scale_to_reference(uint32_t coordinate, uint32_t resolution)
{
	if (resolution == 0 || resolution == REFERENCE_RES)
		return (int32_t)coordinate;
	return (int32_t)(((uint64_t)coordinate * REFERENCE_RES + resolution / 2) / resolution);
}

static void find_neighbours(struct fp_prepared *out, uint32_t i)
{
	int64_t best_d2[FP_NEIGHBOURS];
	uint32_t best[FP_NEIGHBOURS];
	uint32_t found = 0, j, k;
	const int64_t max_d2 = (int64_t)NEIGHBOUR_MAX_DISTANCE * NEIGHBOUR_MAX_DISTANCE;
	const int64_t min_d2 = (int64_t)NEIGHBOUR_MIN_DISTANCE * NEIGHBOUR_MIN_DISTANCE;

	for (j = 0; j < out->count; j++) {
		int64_t dx = (int64_t)out->x[j] - out->x[i];
		int64_t dy = (int64_t)out->y[j] - out->y[i];
		int64_t d2 = dx * dx + dy * dy;

		if (j == i || d2 > max_d2 || d2 < min_d2)
			continue;
		if (found == FP_NEIGHBOURS && d2 >= best_d2[found - 1])
			continue;
		/* insertion into the sorted short list; ties keep the lower index */
		k = found < FP_NEIGHBOURS ? found++ : FP_NEIGHBOURS - 1;
		while (k > 0 && best_d2[k - 1] > d2) {
			best_d2[k] = best_d2[k - 1];
			best[k] = best[k - 1];
			k--;
		}
		best_d2[k] = d2;
		best[k] = j;
	}

	out->neighbour_count[i] = (uint8_t)found;
	for (k = 0; k < found; k++) {
		uint32_t j2 = best[k];
		int64_t dx = (int64_t)out->x[j2] - out->x[i];
		int64_t dy = (int64_t)out->y[j2] - out->y[i];
		int32_t direction = fine_atan2(dy, dx) - 4 * (int32_t)out->angle[i];
		struct fp_neighbour *n = &out->neighbour[i][k];

		n->distance = (uint16_t)isqrt((uint64_t)best_d2[k]);
		n->direction = (uint8_t)(((direction + 2) >> 2) & 255);
		n->angle = (uint8_t)((out->angle[j2] - out->angle[i]) & 255);
	}
}

/* out->by_x: indices in order of x (then index), for the pairing's window search */
static void sort_by_x(struct fp_prepared *out)
{
	uint32_t i, k;

	for (i = 0; i < out->count; i++) {
		uint8_t index = (uint8_t)i;

		k = i;
		while (k > 0 && out->x[out->by_x[k - 1]] > out->x[index]) {
			out->by_x[k] = out->by_x[k - 1];
			k--;
		}
		out->by_x[k] = index;
	}
}

/* out->by_distance: every neighbour edge by direction bucket, then shortest first */
static void sort_edges(struct fp_prepared *out)
{
	uint16_t fill[DIRECTION_BUCKETS];
	uint32_t i, a, bucket, n = 0;

	/* count per bucket, then place (a counting sort), then order each bucket by distance */
	for (bucket = 0; bucket <= DIRECTION_BUCKETS; bucket++)
		out->bucket_start[bucket] = 0;
	for (i = 0; i < out->count; i++)
		for (a = 0; a < out->neighbour_count[i]; a++)
			out->bucket_start[out->neighbour[i][a].direction / DIRECTION_BUCKET + 1]++;
	for (bucket = 0; bucket < DIRECTION_BUCKETS; bucket++) {
		out->bucket_start[bucket + 1] += out->bucket_start[bucket];
		fill[bucket] = out->bucket_start[bucket];
	}
	for (i = 0; i < out->count; i++) {
		for (a = 0; a < out->neighbour_count[i]; a++) {
			const struct fp_neighbour *edge = &out->neighbour[i][a];
			uint32_t start = out->bucket_start[edge->direction / DIRECTION_BUCKET];
			uint32_t k = fill[edge->direction / DIRECTION_BUCKET]++;

			/* insertion into the bucket's sorted part; ties keep the lower edge first */
			while (k > start && edge_at(out, k - 1)->distance > edge->distance) {
				out->by_distance[k] = out->by_distance[k - 1];
				k--;
			}
			out->by_distance[k] = (uint16_t)(i * FP_NEIGHBOURS + a);
			n++;
		}
	}
	out->edge_count = (uint16_t)n;
}

void fp_prepare(const struct fp_print *print, struct fp_prepared *out)
{
	uint32_t count = print->count > FP_MAX_MINUTIAE ? FP_MAX_MINUTIAE : print->count;
	uint32_t i;

	out->count = (uint16_t)count;
	for (i = 0; i < count; i++) {
		out->x[i] = scale_to_reference(print->m[i].x, print->x_res);
		out->y[i] = -scale_to_reference(print->m[i].y, print->y_res);
		out->angle[i] = print->m[i].angle;
		out->type[i] = print->m[i].type;
	}
	for (i = 0; i < count; i++)
		find_neighbours(out, i);
	sort_by_x(out);
	sort_edges(out);
}

/* In direction bucket `bucket` of enrolled's edges, the first not shorter than `distance`. */
static uint32_t first_edge_from(const struct fp_prepared *enrolled, uint32_t bucket, int32_t distance)
{
	uint32_t low = enrolled->bucket_start[bucket], high = enrolled->bucket_start[bucket + 1];

	while (low < high) {
		uint32_t mid = (low + high) / 2;

		if ((int32_t)edge_at(enrolled, mid)->distance < distance)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/* Votes of probe edge `pn` for the enrolled minutiae owning a like edge in `bucket`. */
static void vote_in_bucket(const struct fp_prepared *enrolled, const struct fp_neighbour *pn,
			   uint32_t bucket, uint8_t *votes)
{
	int32_t tolerance = NB_DISTANCE_TOLERANCE + pn->distance / 16;
	uint32_t k, end = enrolled->bucket_start[bucket + 1];

	for (k = first_edge_from(enrolled, bucket, (int32_t)pn->distance - tolerance); k < end; k++) {
		uint32_t owner = enrolled->by_distance[k] / FP_NEIGHBOURS;
		const struct fp_neighbour *en = edge_at(enrolled, k);

		if ((int32_t)en->distance > (int32_t)pn->distance + tolerance)
			break;
		if (circular_distance(pn->direction, en->direction, 256) > NB_DIRECTION_TOLERANCE ||
		    circular_distance(pn->angle, en->angle, 256) > NB_ANGLE_TOLERANCE)
			continue;
		if (votes[owner] < FP_NEIGHBOURS)
			votes[owner]++;
	}
}

/*
 * The CANDIDATES probe/enrolled minutia pairs whose neighbourhoods agree best,
 * best first; returns how many. Each probe minutia's neighbour edges vote for
 * the enrolled minutiae owning an edge of about the same length, direction and
 * relative angle (enrolled edges are searched by length).
 */
static uint32_t pick_candidates(const struct fp_prepared *probe, const struct fp_prepared *enrolled,
				struct candidate *best)
{
	uint8_t votes[FP_MAX_MINUTIAE];
	uint32_t found = 0, i, j, a, k;

	for (i = 0; i < probe->count; i++) {
		for (j = 0; j < enrolled->count; j++)
			votes[j] = 0;
		for (a = 0; a < probe->neighbour_count[i]; a++) {
			const struct fp_neighbour *pn = &probe->neighbour[i][a];
			/* NB_DIRECTION_TOLERANCE < a bucket: at most two buckets hold matches */
			uint32_t low = ((pn->direction - NB_DIRECTION_TOLERANCE) & 255) / DIRECTION_BUCKET;
			uint32_t high = ((pn->direction + NB_DIRECTION_TOLERANCE) & 255) / DIRECTION_BUCKET;

			vote_in_bucket(enrolled, pn, low, votes);
			if (high != low)
				vote_in_bucket(enrolled, pn, high, votes);
		}
		for (j = 0; j < enrolled->count; j++) {
			uint32_t agreement = votes[j];

			if (agreement < MIN_LOCAL_AGREEMENT)
				continue;
			if (found == CANDIDATES && agreement <= best[found - 1].agreement)
				continue;
			k = found < CANDIDATES ? found++ : CANDIDATES - 1;
			while (k > 0 && best[k - 1].agreement < agreement) {
				best[k] = best[k - 1];
				k--;
			}
			best[k].agreement = agreement;
			best[k].probe = i;
			best[k].enrolled = j;
		}
	}
	return found;
}

static void set_rotation(struct transform *t, int32_t rotation)
{
	t->rotation = rotation & (TURN - 1);
	t->cos = fine_cos(t->rotation);
	t->sin = fine_sin(t->rotation);
}

/* The rotation turning probe minutia i's angle onto enrolled minutia j's, through their places. */
static void seed_transform(const struct fp_prepared *probe, uint32_t i,
			   const struct fp_prepared *enrolled, uint32_t j, struct transform *t)
{
	set_rotation(t, 4 * ((int32_t)enrolled->angle[j] - (int32_t)probe->angle[i]));
	t->tx = enrolled->x[j] - round_shift(t->cos * probe->x[i] - t->sin * probe->y[i]);
	t->ty = enrolled->y[j] - round_shift(t->sin * probe->x[i] + t->cos * probe->y[i]);
}

/*
 * Greedy one-to-one pairing of transformed probe minutiae with enrolled ones.
 * Stops early once even pairing every remaining probe minutia (with a type
 * match) could not bring SCORE above `give_up_at` (0: never stops early).
 */
static void pair_minutiae(const struct fp_prepared *probe, const struct fp_prepared *enrolled,
			  const struct transform *t, int64_t radius, uint32_t angle_tolerance,
			  uint32_t give_up_at, struct pairing *out)
{
	uint8_t used[FP_MAX_MINUTIAE];
	uint32_t i, j;
	const int64_t radius2 = radius * radius;

	for (j = 0; j < enrolled->count; j++)
		used[j] = 0;
	out->count = 0;
	out->same_type = 0;
	for (i = 0; i < probe->count; i++) {
		int64_t qx = round_shift(t->cos * probe->x[i] - t->sin * probe->y[i]) + t->tx;
		int64_t qy = round_shift(t->sin * probe->x[i] + t->cos * probe->y[i]) + t->ty;
		int32_t qa = 4 * (int32_t)probe->angle[i] + t->rotation;
		int64_t best_d2 = radius2 + 1;
		uint32_t best = FP_MAX_MINUTIAE, low = 0, high = enrolled->count, k;

		if (give_up_at && SCORE(*out) + 2 * (probe->count - i) <= give_up_at)
			return;

		/* the first enrolled minutia (in x order) with x >= qx - radius */
		while (low < high) {
			uint32_t mid = (low + high) / 2;

			if (enrolled->x[enrolled->by_x[mid]] < qx - radius)
				low = mid + 1;
			else
				high = mid;
		}
		for (k = low; k < enrolled->count; k++) {
			int64_t dx, dy, d2;

			j = enrolled->by_x[k];
			dx = enrolled->x[j] - qx;
			if (dx > radius)
				break;
			dy = enrolled->y[j] - qy;
			if (used[j] || abs64(dy) > radius)
				continue;
			d2 = dx * dx + dy * dy;
			if (d2 > best_d2 || (d2 == best_d2 && j > best))
				continue;
			if (circular_distance(qa, 4 * (int32_t)enrolled->angle[j], TURN) > 4 * angle_tolerance)
				continue;
			best_d2 = d2;
			best = j;
		}
		if (best != FP_MAX_MINUTIAE) {
			used[best] = 1;
			out->probe[out->count] = (uint8_t)i;
			out->enrolled[out->count] = (uint8_t)best;
			out->count++;
			out->same_type += probe->type[i] == enrolled->type[best];
		}
	}
}

/* Least-squares rigid transform of the paired probe points onto their partners. */
static void refit(const struct fp_prepared *probe, const struct fp_prepared *enrolled,
		  const struct pairing *pairs, struct transform *t)
{
	int64_t px = 0, py = 0, ex = 0, ey = 0, dot = 0, cross = 0;
	int64_t n = pairs->count;
	uint32_t k;

	if (n < 2)
		return;
	for (k = 0; k < pairs->count; k++) {
		px += probe->x[pairs->probe[k]];
		py += probe->y[pairs->probe[k]];
		ex += enrolled->x[pairs->enrolled[k]];
		ey += enrolled->y[pairs->enrolled[k]];
	}
	for (k = 0; k < pairs->count; k++) {
		/* centred, scaled by n to stay in integers */
		int64_t ux = n * probe->x[pairs->probe[k]] - px;
		int64_t uy = n * probe->y[pairs->probe[k]] - py;
		int64_t vx = n * enrolled->x[pairs->enrolled[k]] - ex;
		int64_t vy = n * enrolled->y[pairs->enrolled[k]] - ey;

		/* / 256 keeps the sums within 64 bits for any coordinates a record holds */
		dot += (ux * vx + uy * vy) / 256;
		cross += (ux * vy - uy * vx) / 256;
	}
	set_rotation(t, fine_atan2(cross, dot));
	t->tx = (ex - round_shift(t->cos * px - t->sin * py)) / n;
	t->ty = (ey - round_shift(t->sin * px + t->cos * py)) / n;
}

uint32_t fp_match_prepared(const struct fp_prepared *probe, const struct fp_prepared *enrolled)
{
	struct candidate candidates[CANDIDATES];
	struct pairing pairs, best_pairs;
	struct transform t;
	uint32_t found, c, k, pass, best = 0;

	if (probe->count < FP_MATCH_MIN_MINUTIAE || enrolled->count < FP_MATCH_MIN_MINUTIAE)
		return 0;
	best_pairs.count = 0;
	found = pick_candidates(probe, enrolled, candidates);
	for (c = 0; c < found; c++) {
		int seen = 0;

		/* a seed the best alignment already pairs would only find that alignment again */
		for (k = 0; k < best_pairs.count && !seen; k++)
			seen = best_pairs.probe[k] == candidates[c].probe &&
			       best_pairs.enrolled[k] == candidates[c].enrolled;
		if (seen)
			continue;
		seed_transform(probe, candidates[c].probe, enrolled, candidates[c].enrolled, &t);
		pair_minutiae(probe, enrolled, &t, LOOSE_RADIUS, LOOSE_ANGLE, best, &pairs);
		/* the loose radius pairs at least as many as the tight one will */
		if (SCORE(pairs) <= best)
			continue;
		for (pass = 0; pass < TIGHT_PASSES; pass++) {
			refit(probe, enrolled, &pairs, &t);
			pair_minutiae(probe, enrolled, &t, TIGHT_RADIUS, TIGHT_ANGLE, 0, &pairs);
		}
		if (SCORE(pairs) > best) {
			best = SCORE(pairs);
			best_pairs = pairs;
		}
	}
	return best;
}

uint32_t fp_match(const struct fp_print *probe, const struct fp_print *enrolled)
{
	struct fp_prepared prepared_probe, prepared_enrolled;

	fp_prepare(probe, &prepared_probe);
	fp_prepare(enrolled, &prepared_enrolled);
	return fp_match_prepared(&prepared_probe, &prepared_enrolled);
}
