"! Test support for running ABAP Unit in Node only (not part of the abapGit package; in SAP the
"! standard class is used): the assertions Tandem's ABAP tests call, with the standard signatures.
CLASS cl_abap_unit_assert DEFINITION PUBLIC FINAL CREATE PUBLIC.
  PUBLIC SECTION.
    CLASS-METHODS assert_equals
      IMPORTING
        act TYPE any
        exp TYPE any
        msg TYPE csequence OPTIONAL.
    CLASS-METHODS assert_char_cp
      IMPORTING
        act TYPE clike
        exp TYPE clike
        msg TYPE csequence OPTIONAL.
    CLASS-METHODS assert_initial
      IMPORTING
        act TYPE any
        msg TYPE csequence OPTIONAL.
    CLASS-METHODS assert_not_initial
      IMPORTING
        act TYPE any
        msg TYPE csequence OPTIONAL.
    CLASS-METHODS fail
      IMPORTING
        msg TYPE csequence OPTIONAL.
ENDCLASS.

CLASS cl_abap_unit_assert IMPLEMENTATION.
  METHOD assert_equals.
    DATA lv_act TYPE string.
    DATA lv_exp TYPE string.
    IF act <> exp.
      " Numbers convert with a trailing sign position: trim it for the message.
      lv_act = condense( val = CONV string( act ) del = ` ` ).
      lv_exp = condense( val = CONV string( exp ) del = ` ` ).
      RAISE EXCEPTION TYPE cx_aunit_failure EXPORTING message = |{ msg } expected <{ lv_exp }> but was <{ lv_act }>|.
    ENDIF.
  ENDMETHOD.

  METHOD assert_char_cp.
    DATA lv_act TYPE string.
    DATA lv_exp TYPE string.
    IF NOT act CP exp.
      lv_act = act.
      lv_exp = exp.
      RAISE EXCEPTION TYPE cx_aunit_failure EXPORTING message = |{ msg } <{ lv_act }> does not match <{ lv_exp }>|.
    ENDIF.
  ENDMETHOD.

  METHOD assert_initial.
    IF act IS NOT INITIAL.
      RAISE EXCEPTION TYPE cx_aunit_failure EXPORTING message = |{ msg } expected an initial value|.
    ENDIF.
  ENDMETHOD.

  METHOD assert_not_initial.
    IF act IS INITIAL.
      RAISE EXCEPTION TYPE cx_aunit_failure EXPORTING message = |{ msg } expected a value|.
    ENDIF.
  ENDMETHOD.

  METHOD fail.
    RAISE EXCEPTION TYPE cx_aunit_failure EXPORTING message = |{ msg }|.
  ENDMETHOD.
ENDCLASS.
