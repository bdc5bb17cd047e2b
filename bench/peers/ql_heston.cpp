/* ql_heston.cpp: the QuantLib peer of vixrisk's Heston path generator and `vixrisk price`.
 *
 * Same model and workload as `vixrisk price --model configs/models/heston.yaml --strike 100
 * --expiry 1 --steps-per-year 252 --threads 1`: spot 100, r 0.03, q 0.01 (flat, continuous),
 * v0 0.04, kappa 2, theta 0.04, sigma 0.5, rho -0.7, a European call struck at 100 expiring in
 * exactly one year (Actual/365 Fixed, 365 days), 252 equal steps.
 *
 * QuantLib's HestonProcess::QuadraticExponentialMartingale is the scheme of
 * kernels/ref/heston_ref.c: Andersen's QE variance step with psi_c = 1.5, the log-price step
 * with gamma1 = gamma2 = 1/2 and the martingale correction K0*. It draws two normals per step
 * (the exponential branch maps the variance normal to a uniform with the normal CDF), from a
 * Mersenne twister through the inverse normal CDF (QuantLib's PseudoRandom).
 *
 *   ql_heston [--gen-paths N] [--price-paths N] [--steps-per-year M] [--seed S] [--reps R]
 *
 * (a) path generation: N paths x 252 steps through MultiPathGenerator<PseudoRandom>; the
 *     terminal spots are summed so nothing is optimised away. Median of R runs, path-steps/s.
 * (b) pricing: MCEuropeanHestonEngine<PseudoRandom> (no antithetics, no control variate)
 *     with the same steps and N paths: NPV, errorEstimate and wall time; then
 *     AnalyticHestonEngine's price. Median time of R runs (each run reseeds, so the price of
 *     the first run is reported).
 *
 * Output: one JSON object on stdout. Single-threaded: QuantLib's MC loops are serial. */
#include <ql/quantlib.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace QuantLib;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> x)
{
    std::sort(x.begin(), x.end());
    const size_t n = x.size();
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

struct Setup {
    Date today, maturity;
    ext::shared_ptr<HestonProcess> process;
};

Setup make_setup()
{
    Setup s;
    s.today = Date(3, January, 2023);
    s.maturity = Date(3, January, 2024); /* 365 days: T = 1.0 under Actual/365 Fixed */
    Settings::instance().evaluationDate() = s.today;
    const DayCounter dc = Actual365Fixed();
    Handle<YieldTermStructure> r(ext::make_shared<FlatForward>(s.today, 0.03, dc, Continuous));
    Handle<YieldTermStructure> q(ext::make_shared<FlatForward>(s.today, 0.01, dc, Continuous));
    Handle<Quote> s0(ext::make_shared<SimpleQuote>(100.0));
    s.process = ext::make_shared<HestonProcess>(r, q, s0, 0.04, 2.0, 0.04, 0.5, -0.7,
                                                HestonProcess::QuadraticExponentialMartingale);
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    Size gen_paths = 20000, price_paths = 20000, steps_per_year = 252, reps = 3;
    BigNatural seed = 42;
    for (int i = 1; i < argc; i++) {
        const bool more = i + 1 < argc;
        if (!std::strcmp(argv[i], "--gen-paths") && more)
            gen_paths = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--price-paths") && more)
            price_paths = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--steps-per-year") && more)
            steps_per_year = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--seed") && more)
            seed = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--reps") && more)
            reps = std::strtoul(argv[++i], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: ql_heston [--gen-paths N] [--price-paths N] "
                                 "[--steps-per-year M] [--seed S] [--reps R]\n");
            return 2;
        }
    }
    if (gen_paths < 1 || price_paths < 2 || steps_per_year < 1 || reps < 1) {
        std::fprintf(stderr, "ql_heston: paths, steps and reps must be positive\n");
        return 2;
    }

    try {
        Setup s = make_setup();
        const Time T = s.process->time(s.maturity);
        const Size steps = static_cast<Size>(std::ceil(T * steps_per_year - 1e-9));

        /* (a) path generation alone */
        std::vector<double> gen_rate;
        double gen_mean_st = 0;
        for (Size r = 0; r < reps; r++) {
            const TimeGrid grid(T, steps);
            typedef PseudoRandom::rsg_type rsg_type;
            rsg_type rsg = PseudoRandom::make_sequence_generator(
                s.process->factors() * steps, seed + r);
            MultiPathGenerator<rsg_type> gen(s.process, grid, rsg, false);
            double sum = 0;
            const double t0 = now();
            for (Size p = 0; p < gen_paths; p++)
                sum += gen.next().value[0].back();
            const double dt = now() - t0;
            gen_rate.push_back(static_cast<double>(gen_paths) * static_cast<double>(steps) / dt);
            if (r == 0)
                gen_mean_st = sum / static_cast<double>(gen_paths);
        }

        /* (b) European call by MCEuropeanHestonEngine, then the analytic engine */
        auto payoff = ext::make_shared<PlainVanillaPayoff>(Option::Call, 100.0);
        auto exercise = ext::make_shared<EuropeanExercise>(s.maturity);
        std::vector<double> price_secs;
        double mc = 0, se = 0;
        for (Size r = 0; r < reps; r++) {
            VanillaOption opt(payoff, exercise);
            opt.setPricingEngine(MakeMCEuropeanHestonEngine<PseudoRandom>(s.process)
                                     .withSteps(steps)
                                     .withSamples(price_paths)
                                     .withSeed(seed + 1000 + r));
            const double t0 = now();
            const double npv = opt.NPV();
            price_secs.push_back(now() - t0);
            if (r == 0) {
                mc = npv;
                se = opt.errorEstimate();
            }
        }
        VanillaOption opt(payoff, exercise);
        auto model = ext::make_shared<HestonModel>(s.process);
        opt.setPricingEngine(ext::make_shared<AnalyticHestonEngine>(model));
        const double analytic = opt.NPV();

        const double psec = median(price_secs);
        std::printf("{\"peer\": \"quantlib\", \"quantlib_version\": \"%s\", \"compiler\": \"g++ %s\", "
                    "\"scheme\": \"QuadraticExponentialMartingale\", \"rng\": \"PseudoRandom "
                    "(MT19937 + inverse normal CDF)\", \"threads\": 1, \"expiry\": %.10g, \"steps\": %zu,\n"
                    " \"gen\": {\"paths\": %zu, \"reps\": %zu, \"path_steps_per_s\": %.6g, "
                    "\"runs\": [",
                    QL_VERSION, __VERSION__, T, steps, gen_paths, reps, median(gen_rate));
        for (Size r = 0; r < reps; r++)
            std::printf("%s%.6g", r ? ", " : "", gen_rate[r]);
        std::printf("], \"mean_terminal_spot\": %.8g},\n"
                    " \"price\": {\"paths\": %zu, \"reps\": %zu, \"mc\": %.10g, \"se\": %.10g, "
                    "\"analytic\": %.10g, \"seconds\": %.6g, \"path_steps_per_s\": %.6g, \"runs_s\": [",
                    gen_mean_st, price_paths, reps, mc, se, analytic, psec,
                    static_cast<double>(price_paths) * static_cast<double>(steps) / psec);
        for (Size r = 0; r < reps; r++)
            std::printf("%s%.6g", r ? ", " : "", price_secs[r]);
        std::printf("]}}\n");
    } catch (std::exception &e) {
        std::fprintf(stderr, "ql_heston: %s\n", e.what());
        return 1;
    }
    return 0;
}
