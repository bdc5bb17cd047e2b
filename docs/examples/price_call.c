/* price_call.c: the smallest program on libvixrisk: load a model file and print the model's
 * semi-analytic price of a 30-day at-the-money SPX call (per unit of the index).
 *   cc price_call.c $(pkg-config --cflags --libs --static vixrisk) && ./a.out configs/models/heston.yaml */
#include <stdio.h>
#include <vixrisk/vixrisk.h>

int main(int argc, char **argv)
{
    vr_model m;
    vr_err err = {VR_OK, ""};
    double price;
    if (argc != 2 || vr_model_load(argv[1], &m, &err) != VR_OK ||
        vr_analytic_european(m.type, &m.pricing, m.spot, m.rate, m.dividend, m.v0, m.spot,
                             30.0 / 365.0, 1, &price, &err) != VR_OK) {
        fprintf(stderr, "price_call: %s\n", argc != 2 ? "usage: price_call MODEL.yaml" : err.msg);
        return 1;
    }
    printf("%s call K=%g T=30d: %.6f\n", vr_model_type_name(m.type), m.spot, price);
    return 0;
}
