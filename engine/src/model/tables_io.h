/* tables_io.h: the model layer's tables as table-store bytes (pricing/table_store.c): the pieces
 * the models' tables_save and tables_load (model_ops.c, svcj2_tables.c) are made of. Each save
 * appends the structure as this build lays it out, then the arrays it owns; each load reads them
 * back, checks every count against the bytes and the structure's own sizes, and re-points the
 * structure at its new arrays. Internal to the model layer. */
#ifndef VIXRISK_TABLES_IO_H
#define VIXRISK_TABLES_IO_H

#include "core/blob.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_vix.h"

void vr_surface_save(const vr_surface *s, vr_blob *b);
vr_status vr_surface_load(vr_blob_in *r, vr_surface **out, vr_err *err);
void vr_vix_table_save(const vr_vix_table *t, vr_blob *b);
vr_status vr_vix_table_load(vr_blob_in *r, vr_vix_table **out, vr_err *err);

#endif
