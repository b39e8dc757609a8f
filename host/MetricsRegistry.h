// Counters, gauges and histograms with labels, rendered as Prometheus text. One registry per
// daemon; the dispatcher, ingress and plugins count into it, the admin listener renders it.
#ifndef EVENTBUS_HOST_METRICSREGISTRY_H
#define EVENTBUS_HOST_METRICSREGISTRY_H

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace eventbus {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
public:
    /// Declares a metric family once (type "counter", "gauge" or "histogram") with its help text.
    void describe(const std::string& name, const std::string& type, const std::string& help);
    void add(const std::string& name, const Labels& labels, double delta = 1);
    void set(const std::string& name, const Labels& labels, double value);
    /// Histogram observation; bucket bounds come from describeHistogram (default: latency seconds).
    void observe(const std::string& name, const Labels& labels, double value);
    /// Many observations of one series at once: one lookup for a whole delivered batch.
    void observe(const std::string& name, const Labels& labels, const std::vector<double>& values);
    void describeHistogram(const std::string& name, const std::string& help, std::vector<double> bounds);

    /// The value of one series (0 when absent); histograms report their count.
    double value(const std::string& name, const Labels& labels) const;
    /// Sum of every series of a family whose labels include all of `match`.
    double sum(const std::string& name, const Labels& match = {}) const;
    /// Prometheus text exposition format 0.0.4.
    std::string render() const;

private:
    struct Family {
        std::string type;
        std::string help;
        std::vector<double> bounds;
        std::map<Labels, double> values;
        std::map<Labels, std::vector<double>> buckets; ///< histogram: counts per bound, then +Inf
        std::map<Labels, double> sums;
    };
    Family& family(const std::string& name);
    mutable std::mutex _mutex;
    std::map<std::string, Family> _families;
};

} // namespace eventbus

#endif
