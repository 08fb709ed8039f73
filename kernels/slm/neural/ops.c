/*
 * The arithmetic of the forward pass, freestanding (no libm): fp16
 * conversion, exp/log/sin/cos/sqrt in double precision (accurate to well
 * under a float's last bit, so float results round the same as with libm),
 * RMSNorm, softmax, and matrix-vector products for each weight type. Like
 * llama.cpp's CPU backend, a Q8_0 or Q4_0 matrix meets its input quantized
 * to Q8_0 blocks (integer dot products per block), an F16 matrix meets its
 * input rounded to fp16, an F32 matrix the input as it is.
 */
#include "model.h"

static uint32_t f32_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

static float bits_f32(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

float slm_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
	if (exp == 0x1f)
		return bits_f32(sign | 0x7f800000 | (mant << 13));
	if (exp == 0) {
		if (mant == 0)
			return bits_f32(sign);
		/* subnormal: mant * 2^-24, exact in float */
		float v = (float)mant * bits_f32(0x33800000);
		return sign ? -v : v;
	}
	return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

/* Round to nearest, ties to even; overflow to infinity; NaN stays NaN (ggml's GGML_FP32_TO_FP16). */
uint16_t slm_f32_to_f16(float f)
{
	uint32_t x = f32_bits(f);
	uint32_t sign = (x >> 16) & 0x8000;
	int32_t exp = (int32_t)((x >> 23) & 0xff);
	uint32_t mant = x & 0x7fffff;
	if (exp == 0xff)
		return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
	int32_t e = exp - 127 + 15;
	if (e >= 0x1f)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) {
		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000;
		uint32_t shift = (uint32_t)(14 - e);
		uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
		if (rem > mid || (rem == mid && (half & 1)))
			half++;
		return (uint16_t)(sign | half);
	}
	uint32_t half = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
		half++;
	return (uint16_t)(sign | half);
}

static double bits_f64(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static uint64_t f64_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

/* Nearest integer of |x| < 2^51, ties to even. */
static double round_even(double x)
{
	const double big = 6755399441055744.0; /* 1.5 * 2^52 */
	return (x + big) - big;
}

static double scale2(double x, int k)
{
	while (k > 1000) {
		x *= bits_f64(0x7e70000000000000ULL); /* 2^1000 */
		k -= 1000;
	}
	while (k < -1000) {
		x *= bits_f64(0x0170000000000000ULL); /* 2^-1000 */
		k += 1000;
	}
	return x * bits_f64((uint64_t)(k + 1023) << 52);
}

double slm_exp(double x)
{
	if (x != x)
		return x;
	if (x > 709.8)
		return bits_f64(0x7ff0000000000000ULL);
	if (x < -745.2)
		return 0.0;
	const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
	double k = round_even(x * 1.44269504088896338700);
	double r = (x - k * ln2_hi) - k * ln2_lo;
	/* |r| <= 0.35: the Taylor series to r^13 is exact to 1e-17 */
	double p = 1.0 / 6227020800.0;
	static const double inv_fact[] = { 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
					   1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
					   1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0 };
	for (unsigned i = 0; i < sizeof(inv_fact) / sizeof(inv_fact[0]); i++)
		p = p * r + inv_fact[i];
	return scale2(p, (int)k);
}

double slm_log(double x)
{
	if (!(x > 0.0))
		return x == 0.0 ? -bits_f64(0x7ff0000000000000ULL) : bits_f64(0x7ff8000000000000ULL);
	uint64_t u = f64_bits(x);
	int e = (int)((u >> 52) & 0x7ff);
	if (e == 0x7ff)
		return x;
	if (e == 0) { /* subnormal */
		x *= bits_f64(0x4350000000000000ULL); /* 2^54 */
		u = f64_bits(x);
		e = (int)((u >> 52) & 0x7ff) - 54;
	}
	e -= 1023;
	double mant = bits_f64((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL); /* [1, 2) */
	if (mant > 1.41421356237309504880) {
		mant *= 0.5;
		e++;
	}
	/* log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172 */
	double s = (mant - 1.0) / (mant + 1.0), s2 = s * s, term = s, sum = 0.0;
	for (int k = 1; k <= 27; k += 2) {
		sum += term / k;
		term *= s2;
	}
	return 2.0 * sum + e * 6.93147180559945309417e-01;
}

void slm_sincos(double x, double *s, double *c)
{
	/* x = k pi/2 + r, |r| <= pi/4 (three-part pi/2: exact for |x| up to ~1e6) */
	const double p1 = 1.57079632673412561417e+00, p2 = 6.07710050650619224932e-11,
		     p3 = 2.02226624879595063154e-21;
	double k = round_even(x * 6.36619772367581382433e-01);
	double r = ((x - k * p1) - k * p2) - k * p3, r2 = r * r;
	double sn = 0.0, cs = 0.0, ts = r, tc = 1.0;
	for (int i = 1; i <= 21; i += 2) { /* r^i / i! and r^(i-1) / (i-1)! */
		sn += ts;
		cs += tc;
		ts = -ts * r2 / ((i + 1) * (i + 2));
		tc = -tc * r2 / (i * (i + 1));
	}
	long q = (long)k & 3;
	if (q < 0)
		q += 4;
	switch (q) {
	case 0: *s = sn; *c = cs; break;
	case 1: *s = cs; *c = -sn; break;
	case 2: *s = -sn; *c = -cs; break;
	default: *s = -cs; *c = sn; break;
	}
}

/* Newton's method from a bit-level estimate; correctly rounded for the
 * arguments here (norms, head sizes). */
double slm_sqrt(double x)
{
	if (!(x > 0.0))
		return x == 0.0 ? x : bits_f64(0x7ff8000000000000ULL);
	if (x == bits_f64(0x7ff0000000000000ULL))
		return x;
	double y = bits_f64(0x5fe6eb50c7b537a9ULL - (f64_bits(x) >> 1)); /* ~ 1/sqrt(x) */
	for (int i = 0; i < 5; i++)
		y = y * (1.5 - 0.5 * x * y * y);
	double r = x * y;
	return r + 0.5 * (x - r * r) * y;
}

float slm_expf(float x)
{
	return (float)slm_exp((double)x);
}

/* out = x * w / sqrt(mean(x^2) + eps) */
void slm_rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
	float ss = 0.0f;
	for (uint32_t i = 0; i < n; i++)
		ss += x[i] * x[i];
	float scale = (float)(1.0 / slm_sqrt((double)(ss / (float)n + eps)));
	for (uint32_t i = 0; i < n; i++)
		out[i] = x[i] * scale * w[i];
}

void slm_softmax(float *x, uint32_t n)
{
	float max = x[0];
	for (uint32_t i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	double sum = 0.0;
	for (uint32_t i = 0; i < n; i++) {
		x[i] = slm_expf(x[i] - max);
		sum += x[i];
	}
	float inv = (float)(1.0 / sum);
	for (uint32_t i = 0; i < n; i++)
		x[i] *= inv;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* llama.cpp's quantize_row_q8_0 for activations: d = max|x| / 127 (kept as
 * fp16), q = round-half-even(x * 127 / max|x|). */
void slm_quantize_q8_0(const float *x, uint32_t n, int8_t *q, float *d)
{
	for (uint32_t b = 0; b < n / SLM_QK; b++) {
		const float *xb = x + b * SLM_QK;
		float amax = 0.0f;
		for (int j = 0; j < SLM_QK; j++) {
			float a = xb[j] < 0 ? -xb[j] : xb[j];
			if (a > amax)
				amax = a;
		}
		d[b] = slm_f16_to_f32(slm_f32_to_f16(amax / 127.0f));
		float id = amax != 0.0f ? 127.0f / amax : 0.0f;
		for (int j = 0; j < SLM_QK; j++) {
			float v = xb[j] * id;
			/* |v| <= 127: adding 1.5 * 2^23 rounds to an integer, ties to even */
			float r = (v + 12582912.0f) - 12582912.0f;
			q[b * SLM_QK + j] = (int8_t)(int)r;
		}
	}
}

float slm_dot_q8_0(const uint8_t *w, const int8_t *q, const float *d, uint32_t n)
{
	float sum = 0.0f;
	for (uint32_t b = 0; b < n / SLM_QK; b++, w += SLM_Q8_0_BYTES) {
		const int8_t *wq = (const int8_t *)(w + 2);
		const int8_t *xq = q + b * SLM_QK;
		int32_t sumi = 0;
		for (int j = 0; j < SLM_QK; j++)
			sumi += wq[j] * xq[j];
		sum += (float)sumi * (slm_f16_to_f32(rd16(w)) * d[b]);
	}
	return sum;
}

float slm_dot_q4_0(const uint8_t *w, const int8_t *q, const float *d, uint32_t n)
{
	float sum = 0.0f;
	for (uint32_t b = 0; b < n / SLM_QK; b++, w += SLM_Q4_0_BYTES) {
		const uint8_t *nib = w + 2;
		const int8_t *xq = q + b * SLM_QK;
		int32_t sumi = 0;
		for (int j = 0; j < SLM_QK / 2; j++) {
			sumi += ((nib[j] & 0x0f) - 8) * xq[j];
			sumi += ((nib[j] >> 4) - 8) * xq[j + SLM_QK / 2];
		}
		sum += (float)sumi * (slm_f16_to_f32(rd16(w)) * d[b]);
	}
	return sum;
}

/* Eight partial sums, added pairwise at the end (what a vector unit does). */
float slm_dot_f32(const float *w, const float *x, uint32_t n)
{
	float s[8] = { 0 };
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			s[k] += w[i + k] * x[i + k];
	for (; i < n; i++)
		s[0] += w[i] * x[i];
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

float slm_dot_f16(const uint8_t *w, const float *x, uint32_t n)
{
	float s[8] = { 0 };
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			s[k] += slm_f16_to_f32(rd16(w + 2 * (i + k))) * x[i + k];
	for (; i < n; i++)
		s[0] += slm_f16_to_f32(rd16(w + 2 * i)) * x[i];
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

void slm_matvec(struct slm_neural *m, float *out, const struct slm_tensor *w, const float *x)
{
	uint32_t n = w->cols;
	switch (w->type) {
	case SLM_GGML_F32:
		for (uint32_t r = 0; r < w->rows; r++)
			out[r] = slm_dot_f32((const float *)w->data + (size_t)r * n, x, n);
		break;
	case SLM_GGML_F16:
		for (uint32_t i = 0; i < n; i++)
			m->xr[i] = slm_f16_to_f32(slm_f32_to_f16(x[i]));
		for (uint32_t r = 0; r < w->rows; r++)
			out[r] = slm_dot_f16(w->data + (size_t)r * n * 2, m->xr, n);
		break;
	case SLM_GGML_Q8_0:
		slm_quantize_q8_0(x, n, m->xq, m->xd);
		for (uint32_t r = 0; r < w->rows; r++)
			out[r] = slm_dot_q8_0(w->data + (size_t)r * (n / SLM_QK) * SLM_Q8_0_BYTES, m->xq, m->xd, n);
		break;
	case SLM_GGML_Q4_0:
		slm_quantize_q8_0(x, n, m->xq, m->xd);
		for (uint32_t r = 0; r < w->rows; r++)
			out[r] = slm_dot_q4_0(w->data + (size_t)r * (n / SLM_QK) * SLM_Q4_0_BYTES, m->xq, m->xd, n);
		break;
	}
}
