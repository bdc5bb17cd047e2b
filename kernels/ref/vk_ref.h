/* vk_ref.h: prototypes of the scalar reference kernels (see vk.h for what each computes). */
#ifndef VIXRISK_VK_REF_H
#define VIXRISK_VK_REF_H

#include "vixrisk/vk.h"

void vk_uniform_d_ref(uint64_t *restrict state, const uint64_t *restrict inc, double *restrict u,
                      size_t n);
void vk_normal2_d_ref(uint64_t *restrict state, const uint64_t *restrict inc, double *restrict z1,
                      double *restrict z2, size_t n);
void vk_heston_qe_d_ref(const vk_heston_coef *c, const double *restrict zv,
                        const double *restrict uv, const double *restrict zs,
                        double *restrict log_s, double *restrict var, size_t n);
void vk_heston_euler_d_ref(const vk_heston_coef *c, const double *restrict zs,
                           const double *restrict z2, double *restrict log_s,
                           double *restrict var, size_t n);
void vk_jump_d_ref(const vk_jump_coef *c, uint64_t *restrict state, const uint64_t *restrict inc,
                   const double *restrict uc, double *restrict log_s, double *restrict var,
                   size_t n);
void vk_vix_d_ref(double a, double b, const double *restrict var, double *restrict out, size_t n);


#endif
