#include "EventBusApp.h"

#include <iostream> // POCO_SERVER_MAIN reports with std::cerr; only Debug builds of Poco pull it in

POCO_SERVER_MAIN(eventbus::EventBusApp)
