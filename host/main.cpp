#include "EventBusApp.h"

POCO_SERVER_MAIN(eventbus::EventBusApp)
