"! <p class="shorttext synchronized">Tandem: task service error with its HTTP status</p>
"! Raised by the task service and its gateway; the DPC_EXT answers with the status and the text
"! (Gateway's error body), so Tandem's connector sees 400, 404, 409 or 500 with a reason.
CLASS zcx_tandem_task DEFINITION PUBLIC INHERITING FROM cx_static_check FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    CONSTANTS:
      BEGIN OF gc_status,
        bad_request     TYPE i VALUE 400,
        not_found       TYPE i VALUE 404,
        conflict        TYPE i VALUE 409,
        not_implemented TYPE i VALUE 501,
        internal        TYPE i VALUE 500,
      END OF gc_status.

    METHODS constructor
      IMPORTING
        iv_status TYPE i DEFAULT 500
        iv_text   TYPE string OPTIONAL
        previous  TYPE REF TO cx_root OPTIONAL.

    METHODS get_text REDEFINITION.

    METHODS get_status
      RETURNING
        VALUE(rv_status) TYPE i.

  PRIVATE SECTION.
    DATA mv_status TYPE i.
    DATA mv_text TYPE string.
ENDCLASS.



CLASS zcx_tandem_task IMPLEMENTATION.

  METHOD constructor.
    super->constructor( previous = previous ).
    mv_status = iv_status.
    mv_text = iv_text.
  ENDMETHOD.


  METHOD get_text.
    result = mv_text.
  ENDMETHOD.


  METHOD get_status.
    rv_status = mv_status.
  ENDMETHOD.

ENDCLASS.
