"! Test support for running ABAP Unit in Node only (not part of the abapGit package): the root of
"! class-based exceptions, just enough for cl_abap_unit_assert to raise failures.
CLASS cx_root DEFINITION PUBLIC ABSTRACT CREATE PUBLIC.
  PUBLIC SECTION.
    DATA textid TYPE c LENGTH 32.
    DATA previous TYPE REF TO cx_root.
    METHODS constructor
      IMPORTING
        textid   LIKE textid OPTIONAL
        previous TYPE REF TO cx_root OPTIONAL.
    METHODS get_text RETURNING VALUE(result) TYPE string.
ENDCLASS.

CLASS cx_root IMPLEMENTATION.
  METHOD constructor.
    me->textid = textid.
    me->previous = previous.
  ENDMETHOD.

  METHOD get_text.
    result = ``.
  ENDMETHOD.
ENDCLASS.
