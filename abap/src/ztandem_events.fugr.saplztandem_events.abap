*******************************************************************
*   System-defined Include-files.                                 *
*******************************************************************
  INCLUDE lztandem_eventstop.                " Global Declarations
  INCLUDE lztandem_eventsuxx.                " Function Modules
