"! For abaplint only (not part of the abapGit package): SAP's root of class-based exceptions, declared
"! as far as the package uses it (constructor, previous, get_text). In SAP the standard class is used.
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
