#include "EventBusApp.h"

// POCO_SERVER_MAIN reports exceptions on std::cerr.
#include <iostream>

POCO_SERVER_MAIN(eventbus::EventBusApp)
