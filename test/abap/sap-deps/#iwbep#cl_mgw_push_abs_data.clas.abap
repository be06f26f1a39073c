"! For abaplint only (not part of the abapGit package): SAP Gateway's base class of data providers
"! (SAP_GWFND), declared as far as ZCL_TANDEM_TASK_DPC_EXT uses it. In SAP the standard class is used.
CLASS /iwbep/cl_mgw_push_abs_data DEFINITION PUBLIC ABSTRACT CREATE PUBLIC.
  PUBLIC SECTION.
    INTERFACES /iwbep/if_mgw_appl_srv_runtime.
  PROTECTED SECTION.
    METHODS copy_data_to_ref
      IMPORTING
        is_data TYPE any
      CHANGING
        cr_data TYPE REF TO data.
ENDCLASS.

CLASS /iwbep/cl_mgw_push_abs_data IMPLEMENTATION.
  METHOD copy_data_to_ref.
    FIELD-SYMBOLS <ls_data> TYPE any.
    CREATE DATA cr_data LIKE is_data.
    ASSIGN cr_data->* TO <ls_data>.
    <ls_data> = is_data.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~get_entityset.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~get_entity.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~create_entity.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~update_entity.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~delete_entity.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~create_deep_entity.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~changeset_begin.
    RETURN.
  ENDMETHOD.

  METHOD /iwbep/if_mgw_appl_srv_runtime~changeset_end.
    RETURN.
  ENDMETHOD.
ENDCLASS.
