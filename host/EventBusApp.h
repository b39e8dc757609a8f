// The eventbusd application: options, start-up (configuration, plugins, dispatcher, ingress),
// the wait for a termination request, and the drain on the way out.
#ifndef EVENTBUS_HOST_EVENTBUSAPP_H
#define EVENTBUS_HOST_EVENTBUSAPP_H

#include <Poco/Util/ServerApplication.h>

#include <string>

namespace eventbus {

class EventBusApp : public Poco::Util::ServerApplication {
public:
    EventBusApp();

protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    void printHelp();
    /// Checks everything start-up checks, without opening a socket or writing a file.
    int validate();
    int serve();

    std::string _configFile = "/etc/eventbus/eventbusd.properties";
    bool _validate = false;
    bool _allowRoot = false;
    bool _done = false; ///< --help or --version answered
};

} // namespace eventbus

#endif
