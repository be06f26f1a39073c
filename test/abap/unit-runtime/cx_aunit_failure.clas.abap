"! Test support for running ABAP Unit in Node only: a failed assertion, with what was expected.
CLASS cx_aunit_failure DEFINITION PUBLIC INHERITING FROM cx_root CREATE PUBLIC.
  PUBLIC SECTION.
    DATA message TYPE string READ-ONLY.
    METHODS constructor IMPORTING message TYPE string.
    METHODS get_text REDEFINITION.
ENDCLASS.

CLASS cx_aunit_failure IMPLEMENTATION.
  METHOD constructor.
    super->constructor( ).
    me->message = message.
  ENDMETHOD.

  METHOD get_text.
    result = message.
  ENDMETHOD.
ENDCLASS.
