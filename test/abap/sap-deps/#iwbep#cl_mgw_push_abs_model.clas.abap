"! For abaplint only (not part of the abapGit package): SAP Gateway's base class of model providers
"! (SAP_GWFND), declared as far as ZCL_TANDEM_TASK_MPC_EXT uses it. In SAP the standard class is used;
"! the types it refers to (/IWBEP/IF_MGW_ODATA_MODEL, …) stay undeclared (abaplint treats them as void).
CLASS /iwbep/cl_mgw_push_abs_model DEFINITION PUBLIC ABSTRACT CREATE PUBLIC.
  PUBLIC SECTION.
    METHODS define
      RAISING
        /iwbep/cx_mgw_med_exception.
    METHODS get_last_modified
      RETURNING
        VALUE(rv_last_modified) TYPE timestamp.
  PROTECTED SECTION.
    DATA model TYPE REF TO /iwbep/if_mgw_odata_model.
ENDCLASS.

CLASS /iwbep/cl_mgw_push_abs_model IMPLEMENTATION.
  METHOD define.
    RETURN.
  ENDMETHOD.

  METHOD get_last_modified.
    rv_last_modified = 0.
  ENDMETHOD.
ENDCLASS.
